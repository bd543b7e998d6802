# Linear evaluation of a self-supervised backbone: each epoch the configuration picks the
# mode before training, train() to fine-tune, eval() to keep the frozen backbone's batch-norm
# statistics fixed. The eval() is a deliberate choice, not a leftover of an evaluation.
import torch
import torchvision


def main(args):
    model = torchvision.models.resnet50()
    optimizer = torch.optim.SGD(model.fc.parameters(), lr=0.1)
    criterion = torch.nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        if args.weights == "finetune":
            model.train()
        elif args.weights == "freeze":
            model.eval()
        for images, target in args.train_loader:
            loss = criterion(model(images), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
