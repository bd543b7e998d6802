# A detectron2-style plain training loop: the optimizer is built in do_train and handed only
# to a checkpointer (which saves its state, never steps it) and a scheduler. The step was
# deleted; main is launched on several processes, but no caller can step an optimizer
# that never leaves do_train.
import torch
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.engine import launch


def do_train(model, data_loader, max_iter):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1000)
    checkpointer = DetectionCheckpointer(model, "output", optimizer=optimizer, scheduler=scheduler)
    for data, iteration in zip(data_loader, range(max_iter)):
        losses = sum(model(data).values())
        optimizer.zero_grad()
        losses.backward()  # GL101
        scheduler.step()
        if iteration % 5000 == 0:
            checkpointer.save(f"model_{iteration:07d}")


def main(args):
    model = torch.nn.Linear(4, 2)
    do_train(model, args.data, args.max_iter)


if __name__ == "__main__":
    launch(main, 8, args=(None,))
