# The mode is picked at the top of each epoch, but only when fine-tuning; with any other
# setting the previous epoch's validation eval() carries into training.
import torch
import torchvision


def main(args):
    model = torchvision.models.resnet50()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
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
        model.eval()  # GL107
        with torch.no_grad():
            for images, target in args.val_loader:
                criterion(model(images), target)
