# Linear evaluation (Barlow Twins style): each epoch ends with a validation pass in eval
# mode; the next epoch starts by picking the mode again from the configuration, in every
# branch (an unknown choice fails), so the validation's eval() never reaches training.
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
        else:
            assert False  # noqa: B011 (as in the real code: an unknown choice fails)
        for images, target in args.train_loader:
            loss = criterion(model(images), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            for images, target in args.val_loader:
                criterion(model(images), target)
